show() { echo "$# args"; for a in "$@"; do echo "<$a>"; done; }
show "a b" c
show
wrap() { show "$@"; }
wrap "x y" "" z
set -- outer1 outer2
inner() { echo "inner: $1"; }
inner argument
echo "outer: $1 $2"
