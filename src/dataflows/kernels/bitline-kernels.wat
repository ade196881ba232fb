;; SIMD kernels of the lookup-table bit-line path (src/dataflows/lookup-sums.ts).
;;
;; Rebuild bitline-kernels.wasm with `npm run build:kernels` after editing; a unit test fails when
;; the committed binary and this source disagree. Addresses are byte offsets into the exported
;; memory, 16-byte aligned; `width` counts 32-bit lanes and is a multiple of 16.
(module
  (memory (export "memory") 1)

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
  (func (export "sumConvert") (param $offsets i32) (param $count i32) (param $weights i32) (param $partial i32) (param $width i32) (param $top f32) (param $clamp i32)
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
)
