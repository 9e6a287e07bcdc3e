mkdir /tmp/globtest
cd /tmp/globtest
echo > a.txt; echo > b.txt; echo > c.log; echo > .hidden
echo *.txt
echo ?.log
echo [ab].txt
echo *.none
echo '*.txt'
echo .h*
cd /tmp
rm -r /tmp/globtest
