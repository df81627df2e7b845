"""Options, option values and the variant grid."""
