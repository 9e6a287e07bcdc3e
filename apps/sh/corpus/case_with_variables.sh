pattern='*.log'
for f in app.log app.txt error.log; do
    case $f in
        $pattern) echo "$f matches $pattern";;
        *) echo "$f does not";;
    esac
done
value=yes
case $value in y|yes|Y) echo affirmative;; n|no) echo negative;; esac
