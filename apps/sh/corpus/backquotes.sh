a=`echo back quoted`
echo "$a"
echo "in quotes: `echo inner`"
n=`echo 1 2 3 | wc -w`
echo $n
echo `echo \`echo nested\``
