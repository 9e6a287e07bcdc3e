flags() {
    OPTIND=1
    a=0 b=0
    while getopts ab f; do
        case $f in a) a=1;; b) b=1;; esac
    done
    echo "a=$a b=$b"
}
flags -a
flags -b -a
flags -ab
flags
