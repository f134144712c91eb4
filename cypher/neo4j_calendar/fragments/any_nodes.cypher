// Any node, bound to 1 (the SEARCH clause's index names the label).
({{1}})
