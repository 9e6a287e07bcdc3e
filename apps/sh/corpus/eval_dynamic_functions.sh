for name in alpha beta; do
    eval "say_$name() { echo \"I am $name\"; }"
done
say_alpha
say_beta
type say_alpha >/dev/null && echo "say_alpha is defined"
