path=/usr/local/lib/libfoo.so.1
echo ${path##*/}
echo ${path%/*}
echo ${path#/usr}
echo ${path%%.*}
echo ${path%.*}
echo ${#path}
unset missing
empty=
echo "[${missing:-default}] [${empty:-default}] [${empty-kept}] [${missing-unset}]"
echo "[${path:+set}] [${missing:+set}] [${empty+set-but-empty}]"
name=world
echo "${greeting:-hello} ${name}"
echo ${#}
