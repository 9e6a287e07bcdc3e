plain=unexported
export shown=exported
sh -c 'echo "child sees: [$shown]"'
VAR=one sh -c 'echo "prefix assignment: $VAR"'
echo "after prefix: [${VAR}]"
unset shown
sh -c 'echo "after unset: [$shown]"'
