echo "$(echo "$(echo "$(echo deep)")")"
n=$(echo $(echo 1 2 3) | wc -w)
echo "n=$n"
x=$(printf '%s' "a b"); echo "[$x]"
y="$(echo '  spaced  ')"; echo "[$y]"
