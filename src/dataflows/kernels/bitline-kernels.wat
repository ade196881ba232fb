;; SIMD kernels of the lookup-table bit-line path (src/dataflows/lookup-sums.ts).
;;
;; Rebuild bitline-kernels.wasm with `npm run build:kernels` after editing; a unit test fails when
;; the committed binary and this source disagree. Addresses are byte offsets into the exported
;; memory, 16-byte aligned; `width` counts 32-bit lanes and is a multiple of 16.
(module
  ;; The memory is imported: the bit-line sums can be written straight into another kernel's memory.
  (import "env" "memory" (memory 1))

  ;; dst[0 .. width) = src + scale · row (one lookup-table entry from a smaller one).
  (func (export "addScaledRow") (param $dst i32) (param $src i32) (param $row i32) (param $scale f32) (param $width i32)
    (local $j i32) (local $bytes i32) (local $s v128)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $j (i32.const 0))
    (block $done (loop $lane
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (v128.store (i32.add (local.get $dst) (local.get $j))
        (f32x4.add
          (v128.load (i32.add (local.get $src) (local.get $j)))
          (f32x4.mul (local.get $s) (v128.load (i32.add (local.get $row) (local.get $j))))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $lane))))

  ;; One tile, one input slice, one image: the bit-line sums are the sum of the `count` f32 table
  ;; rows at the addresses offsets[c] (added in order c = 0, 1, ..., so results are reproducible),
  ;; and each is converted and added into the digital partial sums:
  ;;   partial[j] += nearest(clamp(Σ_c row_c[j], -top, top)) · weights[j]
  ;; `nearest` rounds ties to even, as tf.round and dataflows/functional.ts do; `clamp` = 0 skips
  ;; the saturation when the caller has shown no sum can reach top; weights[j] (i32) is the
  ;; weight-slice radix times the input-slice shift, 2^(P_R·s + D·i). Sixteen lanes at a time are
  ;; held in four registers while the rows are added, so the sums never go to memory.
  (func $sumConvert (export "sumConvert") (param $offsets i32) (param $count i32) (param $weights i32) (param $partial i32) (param $width i32) (param $top f32) (param $clamp i32)
    (local $j i32) (local $bytes i32) (local $end i32) (local $c i32) (local $r i32) (local $s i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $hi v128) (local $lo v128)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $end (i32.add (local.get $offsets) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $hi (f32x4.splat (local.get $top)))
    (local.set $lo (f32x4.neg (local.get $hi)))
    (local.set $j (i32.const 0))
    (block $done (loop $block
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      ;; Two rows per pass, then the odd one.
      (local.set $c (local.get $offsets))
      (block $pairsDone (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $c) (i32.const 8)) (local.get $end)))
        (local.set $r (i32.add (i32.load (local.get $c)) (local.get $j)))
        (local.set $s (i32.add (i32.load offset=4 (local.get $c)) (local.get $j)))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (v128.load (local.get $r))) (v128.load (local.get $s))))
        (local.set $a1 (f32x4.add (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $r))) (v128.load offset=16 (local.get $s))))
        (local.set $a2 (f32x4.add (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $r))) (v128.load offset=32 (local.get $s))))
        (local.set $a3 (f32x4.add (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $r))) (v128.load offset=48 (local.get $s))))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (br $pairs)))
      (if (i32.lt_u (local.get $c) (local.get $end)) (then
        (local.set $r (i32.add (i32.load (local.get $c)) (local.get $j)))
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load (local.get $r))))
        (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $r))))
        (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $r))))
        (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $r))))))
      ;; Saturate only where the caller cannot rule it out (a tile whose |sums| stay below top).
      (if (local.get $clamp) (then
        (local.set $a0 (f32x4.pmax (local.get $lo) (f32x4.pmin (local.get $hi) (local.get $a0))))
        (local.set $a1 (f32x4.pmax (local.get $lo) (f32x4.pmin (local.get $hi) (local.get $a1))))
        (local.set $a2 (f32x4.pmax (local.get $lo) (f32x4.pmin (local.get $hi) (local.get $a2))))
        (local.set $a3 (f32x4.pmax (local.get $lo) (f32x4.pmin (local.get $hi) (local.get $a3))))))
      (local.set $r (i32.add (local.get $partial) (local.get $j)))
      (local.set $c (i32.add (local.get $weights) (local.get $j)))
      (v128.store (local.get $r)
        (i32x4.add (v128.load (local.get $r))
          (i32x4.mul (v128.load (local.get $c))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a0))))))
      (v128.store offset=16 (local.get $r)
        (i32x4.add (v128.load offset=16 (local.get $r))
          (i32x4.mul (v128.load offset=16 (local.get $c))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a1))))))
      (v128.store offset=32 (local.get $r)
        (i32x4.add (v128.load offset=32 (local.get $r))
          (i32x4.mul (v128.load offset=32 (local.get $c))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a2))))))
      (v128.store offset=48 (local.get $r)
        (i32x4.add (v128.load offset=48 (local.get $r))
          (i32x4.mul (v128.load offset=48 (local.get $c))
            (i32x4.trunc_sat_f32x4_s (f32x4.nearest (local.get $a3))))))
      (local.set $j (i32.add (local.get $j) (i32.const 64)))
      (br $block))))

  ;; One layer, `n` input vectors: every tile's driven groups, every input slice's table rows summed
  ;; and converted by $sumConvert, and the weight slices added, as lookup-sums.ts describes:
  ;;   out[r][j] = Σ_s partial[j·S + s]   (int32)
  ;; The layer descriptor at $desc (i32 words; written by lookup-sums.ts):
  ;;   0 tiles  1 rows per group m  2 DAC bits D  3 input slices T  4 bytes per table row
  ;;   5 bytes per group (entries × row)  6 lanes (width)  7 weight slices S  8 fan-out  9 fan-in
  ;;   10 spread table (256 × i32)  11 slice weights (T rows of `width` i32)  12 top (f32)
  ;;   13 offsets scratch  14 live-group scratch (2 × i32 per group)  15 partial sums scratch
  ;;   16 + 4t  tile t: first fan-in row, rows, table address, clamp flag
  ;; Live groups are found in ascending order and each slice's rows are summed in that order, the
  ;; order of the JavaScript loop this replaces, so the sums are the same floats.
  (func (export "layerSums") (param $desc i32) (param $codes i32) (param $n i32) (param $out i32)
    (local $tiles i32) (local $m i32) (local $dac i32) (local $T i32) (local $rowBytes i32) (local $groupBytes i32)
    (local $width i32) (local $S i32) (local $fanOut i32) (local $fanIn i32) (local $spread i32) (local $weights i32)
    (local $top f32) (local $offsets i32) (local $liveAt i32) (local $partial i32)
    (local $r i32) (local $rowBase i32) (local $t i32) (local $tdesc i32) (local $tileBase i32) (local $rows i32)
    (local $entry i32) (local $clamp i32) (local $k i32) (local $lim i32) (local $q i32) (local $packed i32)
    (local $live i32) (local $i i32) (local $l i32) (local $e i32) (local $count i32) (local $j i32) (local $sum i32)
    (local $s i32) (local $bytes i32) (local $o i32)
    (local.set $tiles (i32.load (local.get $desc)))
    (local.set $m (i32.load offset=4 (local.get $desc)))
    (local.set $dac (i32.load offset=8 (local.get $desc)))
    (local.set $T (i32.load offset=12 (local.get $desc)))
    (local.set $rowBytes (i32.load offset=16 (local.get $desc)))
    (local.set $groupBytes (i32.load offset=20 (local.get $desc)))
    (local.set $width (i32.load offset=24 (local.get $desc)))
    (local.set $S (i32.load offset=28 (local.get $desc)))
    (local.set $fanOut (i32.load offset=32 (local.get $desc)))
    (local.set $fanIn (i32.load offset=36 (local.get $desc)))
    (local.set $spread (i32.load offset=40 (local.get $desc)))
    (local.set $weights (i32.load offset=44 (local.get $desc)))
    (local.set $top (f32.load offset=48 (local.get $desc)))
    (local.set $offsets (i32.load offset=52 (local.get $desc)))
    (local.set $liveAt (i32.load offset=56 (local.get $desc)))
    (local.set $partial (i32.load offset=60 (local.get $desc)))
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $rowBase (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $fanIn))))
      (local.set $j (i32.const 0))
      (block $zeroDone (loop $zero
        (br_if $zeroDone (i32.ge_u (local.get $j) (local.get $bytes)))
        (v128.store (i32.add (local.get $partial) (local.get $j)) (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zero)))
      (local.set $t (i32.const 0))
      (block $tilesDone (loop $tileLoop
        (br_if $tilesDone (i32.ge_u (local.get $t) (local.get $tiles)))
        (local.set $tdesc (i32.add (local.get $desc) (i32.add (i32.const 64) (i32.shl (local.get $t) (i32.const 4)))))
        (local.set $tileBase (i32.add (local.get $rowBase) (i32.load (local.get $tdesc))))
        (local.set $rows (i32.load offset=4 (local.get $tdesc)))
        (local.set $entry (i32.load offset=8 (local.get $tdesc)))
        (local.set $clamp (i32.load offset=12 (local.get $tdesc)))
        ;; The tile's driven groups: (address of the group's entry 0, its entries for every slice packed 4 bits apiece).
        (local.set $live (local.get $liveAt))
        (local.set $k (i32.const 0))
        (block $groupsDone (loop $groupLoop
          (br_if $groupsDone (i32.ge_u (local.get $k) (local.get $rows)))
          (local.set $lim (i32.sub (local.get $rows) (local.get $k)))
          (if (i32.gt_u (local.get $lim) (local.get $m)) (then (local.set $lim (local.get $m))))
          (local.set $packed (i32.const 0))
          (local.set $q (i32.const 0))
          (block $qDone (loop $qLoop
            (br_if $qDone (i32.ge_u (local.get $q) (local.get $lim)))
            (local.set $packed (i32.or (local.get $packed)
              (i32.shl
                (i32.load (i32.add (local.get $spread)
                  (i32.shl (i32.load8_u (i32.add (local.get $tileBase) (i32.add (local.get $k) (local.get $q)))) (i32.const 2))))
                (i32.mul (local.get $dac) (local.get $q)))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $qLoop)))
          (if (local.get $packed) (then
            (i32.store (local.get $live) (local.get $entry))
            (i32.store offset=4 (local.get $live) (local.get $packed))
            (local.set $live (i32.add (local.get $live) (i32.const 8)))))
          (local.set $k (i32.add (local.get $k) (local.get $m)))
          (local.set $entry (i32.add (local.get $entry) (local.get $groupBytes)))
          (br $groupLoop)))
        ;; Each input slice: the table rows of its nonzero entries, summed and converted.
        (local.set $i (i32.const 0))
        (block $slicesDone (loop $sliceLoop
          (br_if $slicesDone (i32.ge_u (local.get $i) (local.get $T)))
          (local.set $count (i32.const 0))
          (local.set $l (local.get $liveAt))
          (block $liveDone (loop $liveLoop
            (br_if $liveDone (i32.ge_u (local.get $l) (local.get $live)))
            (local.set $e (i32.and (i32.shr_u (i32.load offset=4 (local.get $l)) (i32.shl (local.get $i) (i32.const 2))) (i32.const 15)))
            (if (local.get $e) (then
              (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $count) (i32.const 2)))
                (i32.add (i32.load (local.get $l)) (i32.mul (local.get $e) (local.get $rowBytes))))
              (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $l (i32.add (local.get $l) (i32.const 8)))
            (br $liveLoop)))
          (if (local.get $count) (then
            (call $sumConvert (local.get $offsets) (local.get $count)
              (i32.add (local.get $weights) (i32.mul (local.get $i) (local.get $bytes)))
              (local.get $partial) (local.get $width) (local.get $top) (local.get $clamp))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $sliceLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tileLoop)))
      ;; The weight slices of each column, added.
      (local.set $o (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $fanOut)) (i32.const 2))))
      (local.set $l (local.get $partial))
      (local.set $j (i32.const 0))
      (block $colsDone (loop $colLoop
        (br_if $colsDone (i32.ge_u (local.get $j) (local.get $fanOut)))
        (local.set $sum (i32.const 0))
        (local.set $s (i32.const 0))
        (block $sDone (loop $sLoop
          (br_if $sDone (i32.ge_u (local.get $s) (local.get $S)))
          (local.set $sum (i32.add (local.get $sum) (i32.load (local.get $l))))
          (local.set $l (i32.add (local.get $l) (i32.const 4)))
          (local.set $s (i32.add (local.get $s) (i32.const 1)))
          (br $sLoop)))
        (i32.store (i32.add (local.get $o) (i32.shl (local.get $j) (i32.const 2))) (local.get $sum))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $colLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))

  ;; Bit-line sums of one tile for `n` input vectors, every input slice (no conversion):
  ;;   out[(i·sliceRows + r)·C + c] = Σ_k digit_i(codes[r·fanIn + k]) · levels[k·C + c]
  ;; with digit_i(q) = (q >> D·i) & (2^D − 1), k over the tile's `rows` rows (`codes` points at the
  ;; tile's first fan-in row of vector 0), the others added in ascending k as float32:
  ;; sum + (digit · level), each operation rounded once (bitlines.ts has the same arithmetic in
  ;; JavaScript, skipping zero digits). `C` is a multiple of 4. Vectors go four at a time: the
  ;; rows where one of the four has a nonzero digit are listed first (`scratch`, 20 bytes a row:
  ;; the four digits as float32 and the row's byte offset in `levels`), then eight columns of the
  ;; four sums are held in registers over the listed rows. A row where this vector's digit is zero
  ;; but another's is not adds digit · level = ±0, which leaves a float32 sum unchanged (it starts
  ;; at +0 and never becomes −0), so the sums are those of skipping it.
  (func (export "rowSums") (param $codes i32) (param $n i32) (param $fanIn i32) (param $rows i32) (param $levels i32)
    (param $C i32) (param $dac i32) (param $T i32) (param $out i32) (param $scratch i32) (param $sliceRows i32)
    (local $r i32) (local $i i32) (local $k i32) (local $j i32) (local $mask i32) (local $bytes i32)
    (local $o i32) (local $shift i32) (local $nb i32) (local $v i32) (local $first i32)
    (local $listed i32) (local $end i32) (local $p i32) (local $g i32) (local $digits v128) (local $d i32)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128) (local $l0 v128) (local $l1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $mask (i32.sub (i32.shl (i32.const 1) (local.get $dac)) (i32.const 1)))
    (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $slicesDone (loop $sliceLoop
      (br_if $slicesDone (i32.ge_u (local.get $i) (local.get $T)))
      (local.set $shift (i32.mul (local.get $dac) (local.get $i)))
      (local.set $r (i32.const 0))
      (block $rowsDone (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $nb (i32.sub (local.get $n) (local.get $r)))
        (if (i32.gt_u (local.get $nb) (i32.const 4)) (then (local.set $nb (i32.const 4))))
        ;; The block's output rows are consecutive: vectors r .. r + nb − 1 of slice i.
        (local.set $o (i32.add (local.get $out) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $sliceRows)) (local.get $r)) (local.get $bytes))))
        (local.set $first (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $fanIn))))
        ;; The rows some vector of the block drives, with the block's four digits (0 past nb).
        (local.set $end (local.get $scratch))
        (local.set $k (i32.const 0))
        (block $listDone (loop $listLoop
          (br_if $listDone (i32.ge_u (local.get $k) (local.get $rows)))
          (local.set $digits (v128.const i32x4 0 0 0 0))
          (local.set $v (i32.const 0))
          (local.set $listed (i32.const 0))
          (block $digitsDone (loop $digitLoop
            (br_if $digitsDone (i32.ge_u (local.get $v) (local.get $nb)))
            (local.set $d (i32.and (i32.shr_u
              (i32.load8_u (i32.add (i32.add (local.get $first) (i32.mul (local.get $v) (local.get $fanIn))) (local.get $k)))
              (local.get $shift)) (local.get $mask)))
            (local.set $listed (i32.or (local.get $listed) (local.get $d)))
            ;; Lane v of the digits (the lanes are written in order, so a shift and an insert).
            (local.set $digits (i32x4.replace_lane 3
              (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $digits) (local.get $digits))
              (local.get $d)))
            (local.set $v (i32.add (local.get $v) (i32.const 1)))
            (br $digitLoop)))
          (if (local.get $listed) (then
            ;; Rotate the nb written lanes down to lanes 0 .. nb − 1.
            (block $rotated (loop $rotate
              (br_if $rotated (i32.ge_u (local.get $v) (i32.const 4)))
              (local.set $digits (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $digits) (local.get $digits)))
              (local.set $v (i32.add (local.get $v) (i32.const 1)))
              (br $rotate)))
            (v128.store (local.get $end) (f32x4.convert_i32x4_u (local.get $digits)))
            (i32.store offset=16 (local.get $end) (i32.mul (local.get $k) (local.get $bytes)))
            (local.set $end (i32.add (local.get $end) (i32.const 20)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $listLoop)))
        ;; Eight columns at a time (a last four when C is not a multiple of 8).
        (local.set $j (i32.const 0))
        (block $colsDone (loop $colLoop
          (br_if $colsDone (i32.ge_u (local.get $j) (local.get $bytes)))
          (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
          (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
          (local.set $a20 (v128.const i32x4 0 0 0 0)) (local.set $a21 (v128.const i32x4 0 0 0 0))
          (local.set $a30 (v128.const i32x4 0 0 0 0)) (local.set $a31 (v128.const i32x4 0 0 0 0))
          (local.set $p (local.get $scratch))
          (block $kDone (loop $kLoop
            (br_if $kDone (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $g (i32.add (i32.add (local.get $levels) (i32.load offset=16 (local.get $p))) (local.get $j)))
            (local.set $l0 (v128.load (local.get $g)))
            (local.set $l1 (v128.load offset=16 (local.get $g)))
            (local.set $digits (v128.load (local.get $p)))
            (local.set $e0 (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $digits) (local.get $digits)))
            (local.set $e1 (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $digits) (local.get $digits)))
            (local.set $e2 (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $digits) (local.get $digits)))
            (local.set $e3 (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $digits) (local.get $digits)))
            (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $e0) (local.get $l0))))
            (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $e0) (local.get $l1))))
            (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $e1) (local.get $l0))))
            (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $e1) (local.get $l1))))
            (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $e2) (local.get $l0))))
            (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $e2) (local.get $l1))))
            (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $e3) (local.get $l0))))
            (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $e3) (local.get $l1))))
            (local.set $p (i32.add (local.get $p) (i32.const 20)))
            (br $kLoop)))
          ;; Store the block's nb rows (the second four columns only where they exist).
          (local.set $g (i32.add (local.get $o) (local.get $j)))
          (v128.store (local.get $g) (local.get $a00))
          (if (i32.gt_u (local.get $nb) (i32.const 1)) (then (v128.store (i32.add (local.get $g) (local.get $bytes)) (local.get $a10))))
          (if (i32.gt_u (local.get $nb) (i32.const 2)) (then (v128.store (i32.add (local.get $g) (i32.shl (local.get $bytes) (i32.const 1))) (local.get $a20))))
          (if (i32.gt_u (local.get $nb) (i32.const 3)) (then (v128.store (i32.add (local.get $g) (i32.mul (local.get $bytes) (i32.const 3))) (local.get $a30))))
          (if (i32.lt_u (i32.add (local.get $j) (i32.const 16)) (local.get $bytes)) (then
            (v128.store offset=16 (local.get $g) (local.get $a01))
            (if (i32.gt_u (local.get $nb) (i32.const 1)) (then (v128.store offset=16 (i32.add (local.get $g) (local.get $bytes)) (local.get $a11))))
            (if (i32.gt_u (local.get $nb) (i32.const 2)) (then (v128.store offset=16 (i32.add (local.get $g) (i32.shl (local.get $bytes) (i32.const 1))) (local.get $a21))))
            (if (i32.gt_u (local.get $nb) (i32.const 3)) (then (v128.store offset=16 (i32.add (local.get $g) (i32.mul (local.get $bytes) (i32.const 3))) (local.get $a31))))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br $colLoop)))
        (local.set $r (i32.add (local.get $r) (local.get $nb)))
        (br $rowLoop)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $sliceLoop))))
)
