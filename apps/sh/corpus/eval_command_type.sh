cmd='echo evaluated'
eval "$cmd"
var=name
eval "$var=value"
echo "name is $name"
eval 'for i in 1 2; do echo loop $i; done'
f() { echo "function f"; }
type f
type cd
command -v cd
command -v f
command -v no_such_command_here || echo "not found: $?"
command true && echo "command ran true"
