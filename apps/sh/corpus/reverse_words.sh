reverse() {
    result=""
    for w in "$@"; do result="$w${result:+ $result}"; done
    echo "$result"
}
reverse one two three four
reverse single
reverse
