// A node pattern: 1 = the variable, 2 = the label.
({{1}}:{{2}})
