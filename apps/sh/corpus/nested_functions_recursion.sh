fact() {
    if [ $1 -le 1 ]; then echo 1; return; fi
    prev=$(fact $(($1 - 1)))
    echo $(($1 * prev))
}
fact 5
fib() { if [ $1 -lt 2 ]; then echo $1; else echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) )); fi; }
fib 10
