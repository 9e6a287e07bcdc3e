trap 'echo caught USR1' USR1
kill -USR1 $$
echo after kill
trap 'echo "bye from EXIT, status $?"' EXIT
trap '' TERM
kill -TERM $$
echo "TERM ignored"
trap - USR1
trap
f() { return 3; }
f
