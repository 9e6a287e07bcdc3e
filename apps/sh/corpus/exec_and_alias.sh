alias greet='echo hello'
greet world
alias greet
unalias greet
greet 2>/dev/null || echo "greet is gone"
exec 3>/tmp/ea.out
echo "through fd 3" >&3
cat /tmp/ea.out
rm /tmp/ea.out
sh -c 'exec echo "exec replaced the shell"; echo not reached'
