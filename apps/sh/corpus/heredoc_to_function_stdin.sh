upper_count() {
    n=0
    while read line; do
        case $line in [A-Z]*) n=$((n + 1));; esac
    done
    echo "$n capitalised"
}
upper_count <<TEXT
Alpha
beta
Gamma
delta
TEXT
