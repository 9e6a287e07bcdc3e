check() { if [ "$1" = ok ]; then return 0; else return 1; fi; }
check ok && echo "ok passes"
check bad || echo "bad fails"
check bad; echo "status $?"
[ 1 -eq 1 ] && [ 2 -eq 2 ]; echo "both: $?"
[ 1 -eq 2 ] || [ 2 -eq 2 ]; echo "either: $?"
test -z "" -a -n x 2>/dev/null; echo "done"
