for arg in --help -v file.txt --output=x ""; do
    case "$arg" in
        --help) echo "help";;
        --output=*) echo "output ${arg#--output=}";;
        -*) echo "flag $arg";;
        "") echo "(empty)";;
        *) echo "file $arg";;
    esac
done
