echo a b c | wc -w
echo hello | cat | cat | cat
echo one two | grep -c one
! echo x | grep -q y
echo "negated pipeline: $?"
false | true
echo "last command's status: $?"
