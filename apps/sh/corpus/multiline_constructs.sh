# Constructs spread over lines, as scripts write them.
total=0
for n in 1 2 3 4
do
    if [ $((n % 2)) -eq 0 ]
    then
        total=$((total + n))
    else
        :
    fi
done
echo "even sum: $total"
describe() {
    case $1 in
        [0-9]*)
            echo "$1 is a number"
            ;;
        *)
            echo "$1 is a word"
            ;;
    esac
}
describe 42
describe abc
echo one \
    two \
    three
echo "a quoted
line break"
true &&
    echo "and-list across lines"
