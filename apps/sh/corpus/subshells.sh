x=outer
(x=inner; echo "in: $x")
echo "out: $x"
(exit 4)
echo "subshell status $?"
(cd /; echo in root)
echo after
