# Runs one script of the corpus (the first argument) in a shell of its own, in /tmp,
# then says how it ended: what `cargo xtask test` compares with Debian's dash.
cd /tmp
sh "$1"
echo "status $?"
