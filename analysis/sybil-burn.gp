# sybil-burn.gp -- what a sybil registrant makes, from DIR/points.csv of
# scenarios/sybil-burn.ini (means over seeds).
#
# Left: its profit, emission earned - burns paid (TAO), against its budget,
# one line per burn adjustment setting (target registrations per interval,
# adjustment memory). Right: what all registrations burned over the run
# (TAO recycled out of the issuance).
#
#   gnuplot -e "dir='out/sybil-burn'" analysis/sybil-burn.gp

if (!exists("dir")) dir = 'out/sybil-burn'
points = dir.'/points.csv'
set datafile separator ','
set datafile commentschars '#'
set datafile columnheaders
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1300,520 enhanced font 'Sans,11'
} else {
    set terminal png size 1300,520 font 'Sans,11'
}
set output dir.'/sybil.png'
set multiplot layout 1,2 title 'a sybil registrant against the registration burn (mean over seeds)' font ',13'
set logscale x
set xrange [5:2000]
set xlabel 'sybil budget (TAO)'
set grid
set key left top box opaque title 'target, memory'
# the budget is a distribution, "const(100)": its number
num(s) = real(s[7:strlen(s) - 1])
sel(t, a) = column('subnet.s.target_registrations_per_interval') == t && strcol('subnet.s.adjustment_alpha') eq a
profit(t, a) = sel(t, a) ? (column('sy.emission_rao.mean') - column('sy.burned_rao.mean')) / 1e9 : NaN
burned(t, a) = sel(t, a) ? column('burned_rao.mean') / 1e9 : NaN
alphas = "0 9223372036854775807 17893341751498265066"
aname(a) = a eq '0' ? '0' : (a eq '9223372036854775807' ? '0.5' : '0.97')
set title "sybil profit: emission - burns"
set ylabel 'TAO'
plot for [t in "1 3"] for [a in alphas] points using (num(strcol('sybil.sy.balance_tao'))):(profit(int(t), a)) with linespoints lw 2 pt 7 title sprintf('%s, %s', t, aname(a)), 0 with lines dt 2 lc rgb '#555555' notitle
set title 'TAO burned by all registrations'
set ylabel 'TAO'
plot for [t in "1 3"] for [a in alphas] points using (num(strcol('sybil.sy.balance_tao'))):(burned(int(t), a)) with linespoints lw 2 pt 7 title sprintf('%s, %s', t, aname(a)), \
     -1 with lines notitle # always something to plot: a partial study (-r) may lack a series
unset multiplot
set output
