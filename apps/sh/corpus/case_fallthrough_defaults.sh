classify() {
    case "$1" in
        "") echo "empty";;
        -*) echo "option $1";;
        *=*) echo "assignment ${1%%=*} to ${1#*=}";;
        [0-9]|[0-9][0-9]) echo "small number $1";;
        *) echo "word $1";;
    esac
}
for a in "" -v x=1 7 42 123 hello; do classify "$a"; done
