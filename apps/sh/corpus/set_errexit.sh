set -e
false || echo "or-list spared"
true && false || echo "and-or: only the last counts"
if false; then echo no; fi
while false; do :; done
! true
echo "negation spared"
echo before
false
echo not reached
