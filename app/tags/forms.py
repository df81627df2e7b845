from ..taxonomy.forms import ValueForm, name_field


class TagForm(ValueForm):
    value = name_field("Tag", "Enter the tag.")
