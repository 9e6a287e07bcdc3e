(
    trap 'echo "subshell exit trap"' EXIT
    echo "in subshell"
)
echo "after subshell"
