# supply.gp -- the TAO supply projection of `taosim supply`, as one PNG.
#
# A pure function of the CSVs: reads DIR/supply.csv and DIR/halvings.csv and
# writes DIR/supply.png. Top: TotalIssuance (M TAO) against years, with each
# emission change from halvings.csv marked (vertical line, point, k for the
# first few) and the cumulative burn. Bottom: block emission (RAO per block,
# log axis; zero emission is not drawn on the log axis).
#
#   gnuplot analysis/supply.gp                       # DIR = out/supply
#   gnuplot -e "dir='out/supply-burn'" analysis/supply.gp

if (!exists("dir")) dir = 'out/supply'
supply   = dir.'/supply.csv'
halvings = dir.'/halvings.csv'

set datafile separator ','
set datafile commentschars '#'
set datafile missing ''

# pngcairo when this gnuplot has it, else the libgd png terminal
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
    set terminal pngcairo size 1200,900 enhanced font 'Sans,11'
} else {
    set terminal png size 1200,900 font 'Sans,11'
}
set output dir.'/supply.png'

# horizon (years) from the last row of supply.csv
stats supply using 2 nooutput
xmax = STATS_max
if (xmax <= 0) xmax = 1

set multiplot layout 2,1 title 'taosim supply: TotalIssuance and block emission (subtensor v1.2.4 rules)' font ',13'

# ---- top: issuance ------------------------------------------------------------
set title 'TAO supply (TotalIssuance); vertical lines: emission changes (k = halvings in force)'
set xlabel 'years since block 0 (1 year = 2 629 800 blocks of 12 s)'
set ylabel 'M TAO'
set xrange [0:xmax]
set yrange [0:*]
set offsets 0, 0, 1.5, 0
set grid
set key right bottom box opaque
set format y '%.0f'
label_k(k) = (k <= 6 ? sprintf('%d', k) : '')
plot supply using 2:($4/1e15) with lines lw 2 lc rgb '#1f77b4' title 'issuance', \
     supply using 2:($6/1e15) with lines lw 1 dt 2 lc rgb '#d62728' title 'burned (cumulative)', \
     21 with lines lw 1 dt 3 lc rgb '#555555' title '21 M cap', \
     halvings using 3:($5/1e15) with impulses lw 1 dt 4 lc rgb '#999999' notitle, \
     halvings using 3:($5/1e15) with points pt 7 ps 0.7 lc rgb '#ff7f0e' title 'emission change (halvings.csv)', \
     halvings using 3:($5/1e15):(label_k($1)) with labels offset 0.8,-0.8 font ',9' notitle

# ---- bottom: block emission ------------------------------------------------------
set title 'block emission (RAO per block, log scale)'
set ylabel 'RAO per block'
set logscale y
set offsets 0, 0, 0, 0
set yrange [0.5:2e9]
set format y '10^{%L}'
set key right top box opaque
positive(v) = (v > 0 ? v : NaN)
at_zero(v) = (v == 0 ? 0.7 : NaN)
plot supply using 2:(positive($5)) with steps lw 2 lc rgb '#2ca02c' title 'block emission (supply.csv)', \
     halvings using 3:(positive($6)) with points pt 7 ps 0.7 lc rgb '#ff7f0e' title 'new rate at each change', \
     halvings using 3:(at_zero($6)) with points pt 9 ps 1.2 lc rgb '#d62728' title 'emission becomes 0'

unset multiplot
set output
