mkdir /tmp/ft
echo data > /tmp/ft/file
: > /tmp/ft/empty
for p in /tmp/ft /tmp/ft/file /tmp/ft/empty /tmp/ft/none; do
    kind=missing
    [ -e $p ] && kind=exists
    [ -d $p ] && kind=directory
    [ -f $p ] && kind=file
    [ -f $p ] && [ ! -s $p ] && kind="empty file"
    echo "${p##*/}: $kind"
done
rm -r /tmp/ft
