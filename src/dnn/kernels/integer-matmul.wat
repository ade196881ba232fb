;; SIMD kernel of the exact 8-bit integer crossbar product (src/dnn/integer-matmul.ts).
;;
;; Rebuild integer-matmul.wasm with `npm run build:kernels` after editing; a unit test fails when
;; the committed binary and this source disagree. Addresses are byte offsets into the exported
;; memory, 16-byte aligned.
;;
;; out[r][j] = Σ_k codes[r][k] · w[k][j] in int32, exact as long as 255 · 255 · fanIn < 2^31 (the
;; caller checks). Input codes are taken two at a time (k = 2p, 2p + 1); a pair of zero codes is
;; skipped (ReLU activations leave many). Weights are stored in blocks of 16 columns: block b,
;; pair p is 64 bytes at weights + (b · pairs + p) · 64, holding for columns 16b + c, c = 0..15,
;; the i16 pair (w[2p][j], w[2p+1][j]); one i32x4.dot_i16x8_s then gives 4 columns × 2 rows.
;; Odd fan-ins have a zero weight row appended, so the code read past a row's end (the next row's
;; first code, or the padding byte after the last row) multiplies zero.
(module
  (memory (export "memory") 1)

  (func (export "matmul") (param $codes i32) (param $rows i32) (param $fanIn i32) (param $weights i32)
    (param $pairs i32) (param $blocks i32) (param $live i32) (param $out i32)
    (local $r i32) (local $p i32) (local $v i32) (local $n i32) (local $row i32) (local $b i32)
    (local $wb i32) (local $l i32) (local $end i32) (local $w i32) (local $blockBytes i32)
    (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $blockBytes (i32.shl (local.get $pairs) (i32.const 6)))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      ;; The row's nonzero code pairs: (byte offset p · 64, x_2p | x_2p+1 << 16).
      (local.set $row (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $fanIn))))
      (local.set $n (local.get $live))
      (local.set $p (i32.const 0))
      (block $pairsDone (loop $pairLoop
        (br_if $pairsDone (i32.ge_u (local.get $p) (local.get $pairs)))
        (local.set $v (i32.load16_u (i32.add (local.get $row) (i32.shl (local.get $p) (i32.const 1)))))
        (if (local.get $v) (then
          (i32.store (local.get $n) (i32.shl (local.get $p) (i32.const 6)))
          (i32.store offset=4 (local.get $n)
            (i32.or (i32.and (local.get $v) (i32.const 255)) (i32.shl (i32.shr_u (local.get $v) (i32.const 8)) (i32.const 16))))
          (local.set $n (i32.add (local.get $n) (i32.const 8)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pairLoop)))
      (local.set $end (local.get $n))
      ;; Each block of 16 columns: four i32x4 accumulators over the live pairs.
      (local.set $b (i32.const 0))
      (local.set $wb (local.get $weights))
      (block $blocksDone (loop $blockLoop
        (br_if $blocksDone (i32.ge_u (local.get $b) (local.get $blocks)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $l (local.get $live))
        (block $liveDone (loop $liveLoop
          (br_if $liveDone (i32.ge_u (local.get $l) (local.get $end)))
          (local.set $w (i32.add (local.get $wb) (i32.load (local.get $l))))
          (local.set $x (i32x4.splat (i32.load offset=4 (local.get $l))))
          (local.set $a0 (i32x4.add (local.get $a0) (i32x4.dot_i16x8_s (v128.load (local.get $w)) (local.get $x))))
          (local.set $a1 (i32x4.add (local.get $a1) (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $w)) (local.get $x))))
          (local.set $a2 (i32x4.add (local.get $a2) (i32x4.dot_i16x8_s (v128.load offset=32 (local.get $w)) (local.get $x))))
          (local.set $a3 (i32x4.add (local.get $a3) (i32x4.dot_i16x8_s (v128.load offset=48 (local.get $w)) (local.get $x))))
          (local.set $l (i32.add (local.get $l) (i32.const 8)))
          (br $liveLoop)))
        (v128.store (local.get $out) (local.get $a0))
        (v128.store offset=16 (local.get $out) (local.get $a1))
        (v128.store offset=32 (local.get $out) (local.get $a2))
        (v128.store offset=48 (local.get $out) (local.get $a3))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $wb (i32.add (local.get $wb) (local.get $blockBytes)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blockLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowLoop))))
)
