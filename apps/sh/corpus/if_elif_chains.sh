grade() {
    if [ $1 -ge 90 ]; then echo A
    elif [ $1 -ge 80 ]; then echo B
    elif [ $1 -ge 70 ]; then echo C
    else echo F
    fi
}
for s in 95 85 72 10; do echo "$s: $(grade $s)"; done
