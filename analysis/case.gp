# case.gp -- the picture of one `taosim case` run, from its case.csv alone.
#
# Reads DIR/case.csv and writes DIR/case.png (or OUT): three panels over the case's epochs, as
# yuma-simulation draws its cases --
#   weights                        what each validator gives each server (the row normalised)
#   dividends per 1,000 TAO        each validator's validator emission per 1,000 TAO of its stake,
#                                  with its total over the case in the key
#   bonds                          each validator's stored bond on each server (u16 / 65535; on
#                                  Yuma 3 a bond is the validator's own proportion, on v1.2.4 the
#                                  column is max-upscaled to 1)
#
#   gnuplot -e "dir='out/case-08-yuma3'" analysis/case.gp
#   gnuplot -e "dir='out/case-08-yuma3'; out='/tmp/x.png'" analysis/case.gp
#
# The case's name, variant and validator/server labels come from the '# key: value' lines of
# case.csv; the columns are found by name (validators A, B, C..., servers S1, S2...).

if (!exists("dir")) dir = 'out/case-01-yuma3'
if (!exists("out")) out = dir.'/case.png'
f = dir.'/case.csv'

meta(key) = system("sed -n 's/^# ".key.": //p' '".f."' | head -1")
name = meta('name')
yuma = system("sed -n 's/^# yuma: [0-9]* //p' '".f."' | head -1")
vtags = system("sed -n 's/^# validator: \\([^ ]*\\) .*/\\1/p' '".f."' | tr '\\n' ' '")
stags = system("sed -n 's/^# server: \\([^ ]*\\) .*/\\1/p' '".f."' | tr '\\n' ' '")
vlabel(t) = system("sed -n 's/^# validator: ".t." [0-9]* //p' '".f."' | head -1")
slabel(t) = system("sed -n 's/^# server: ".t." [0-9]* //p' '".f."' | head -1")
nv = words(vtags)
ns = words(stags)

set datafile separator ','
set datafile commentschars '#'
set datafile columnheaders

if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1100,1250 enhanced font 'Sans,10'
} else {
    set terminal png size 1100,1250 font 'Sans,10'
}
set output out

# one colour per validator, one dash per server; small x offsets keep equal lines visible
vcolor(i) = word('#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f', i)
vpoint(i) = word('7 5 9 11 13 4 6 8', i) + 0
shift(i) = (i - (nv + 1) / 2.0) * 0.08
col(s) = column(s)
dash(k) = k % ns + 1

stats f using 1 nooutput
emax = STATS_max
set xrange [-0.5:emax + 0.5]
set xtics 5
set mxtics 5
set grid xtics ytics
set key outside right top Left reverse samplen 2 spacing 1.1

set multiplot layout 3,1 title sprintf("%s\n{/*0.9 %s}", name, yuma) font ',12'
set lmargin 10
set rmargin 50

# ---- weights ------------------------------------------------------------------------------
set title 'weights: validator -> server (each validator''s row normalised)'
set ylabel 'weight'
set yrange [-0.05:1.05]
plot for [k = 0:nv * ns - 1] f \
     using ($1 + shift(k / ns + 1)):(col('w_'.word(vtags, k / ns + 1).'_'.word(stags, k % ns + 1))) \
     with linespoints lw 1.5 dt dash(k) pt vpoint(k / ns + 1) ps 0.6 lc rgb vcolor(k / ns + 1) \
     title sprintf('%s -> %s', vlabel(word(vtags, k / ns + 1)), slabel(word(stags, k % ns + 1)))

# ---- dividends per 1,000 TAO of stake -----------------------------------------------------
array total[nv]
do for [i = 1:nv] {
    stats f using (col('dpk_'.word(vtags, i))) nooutput
    total[i] = STATS_sum
}
set title 'dividends per 1,000 TAO of stake per epoch (validator emission / stake x 1,000)'
set ylabel 'TAO per 1,000 TAO'
set yrange [0:*]
plot for [i = 1:nv] f using ($1 + shift(i)):(col('dpk_'.word(vtags, i))) \
     with linespoints lw 1.5 pt vpoint(i) ps 0.6 lc rgb vcolor(i) \
     title sprintf('%s: total %.6f', vlabel(word(vtags, i)), total[i])

# ---- bonds --------------------------------------------------------------------------------
if (strstrt(yuma, 'v1.2.4') > 0) {
    set title 'bonds: validator -> server (stored u16 / 65535; v1.2.4 stores each server''s largest bond as 1)'
} else {
    set title 'bonds: validator -> server (stored u16 / 65535: the validator''s own proportion)'
}
set ylabel 'bond'
set xlabel 'epoch'
set yrange [-0.02:1.02]
plot for [k = 0:nv * ns - 1] f \
     using ($1 + shift(k / ns + 1)):(col('bond_'.word(vtags, k / ns + 1).'_'.word(stags, k % ns + 1)) / 65535.0) \
     with linespoints lw 1.5 dt dash(k) pt vpoint(k / ns + 1) ps 0.6 lc rgb vcolor(k / ns + 1) \
     title sprintf('%s -> %s', vlabel(word(vtags, k / ns + 1)), slabel(word(stags, k % ns + 1)))

unset multiplot
