for p in /usr/local/bin/tool ./relative/file.tar.gz name.c /single; do
    dir=${p%/*}
    [ "$dir" = "$p" ] && dir=.
    base=${p##*/}
    stem=${base%%.*}
    echo "$p -> dir=$dir base=$base stem=$stem"
done
