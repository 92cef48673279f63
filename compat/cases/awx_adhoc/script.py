# ad hoc case: no script is used
