from ..taxonomy.forms import ValueForm, name_field


class TypeForm(ValueForm):
    value = name_field("Type", "Enter the type.")
