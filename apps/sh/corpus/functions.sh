greet() { echo "hello $1, $# args"; }
greet world a b
sum() { total=0; for n in "$@"; do total=$((total + n)); done; echo $total; }
sum 1 2 3 4
early() { echo before; return 3; echo after; }
early
echo "returned $?"
nested() { inner() { echo inner; }; inner; }
nested
inner
