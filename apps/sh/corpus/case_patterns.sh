for f in notes.txt main.c x.h README Makefile a1 b22; do
    case $f in
        *.txt) echo "$f: text";;
        *.c|*.h) echo "$f: C";;
        [A-Z]*) echo "$f: capital";;
        ?1) echo "$f: two chars ending in 1";;
        *) echo "$f: other";;
    esac
done
case "" in "") echo empty;; esac
case abc in a*c) echo match;; esac
