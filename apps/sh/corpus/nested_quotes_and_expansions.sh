name="Ada Lovelace"
echo "Name: ${name}, first: ${name%% *}, last: ${name##* }"
greeting="Hello, \"$name\""
echo "$greeting"
echo 'single: "$name"'
echo "mixed: '$name'"
x=3; echo "calc: $((x * (x + 1) / 2))"
