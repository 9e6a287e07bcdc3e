parse() {
    OPTIND=1
    verbose=0 output=none
    while getopts vo: opt; do
        case $opt in
            v) verbose=$((verbose + 1));;
            o) output=$OPTARG;;
            ?) echo "bad option"; return 2;;
        esac
    done
    shift $((OPTIND - 1))
    echo "verbose=$verbose output=$output rest=$*"
}
parse -v -o file.txt a b
parse -vv -ofile2 c
parse -- -v
parse plain -v
parse -x 2>/dev/null
echo "status $?"
