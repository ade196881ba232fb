;; SIMD kernel of the float64 crossbar product of src/dnn/network.ts (`matmul`), used by the
;; float forward pass (quantization calibration).
;;
;; Rebuild float-matmul.wasm with `npm run build:kernels` after editing; a unit test fails when the
;; committed binary and this source disagree. Addresses are byte offsets into the exported memory.
(module
  (memory (export "memory") 1)

  ;; out[r][j] = Σ_k in[r][k] · w[k][j] for r < rows, j < fanOut, all float64: each sum starts at
  ;; +0 and adds the products in row order k = 0, 1, ..., skipping inputs equal to zero, exactly as
  ;; the JavaScript loop does (IEEE multiply then add, never fused), so the results are the same
  ;; bit for bit. Two output columns per f64x2 lane pair; an odd last column is done in scalar.
  (func (export "matmul") (param $in i32) (param $rows i32) (param $fanIn i32) (param $w i32) (param $fanOut i32) (param $out i32)
    (local $r i32) (local $k i32) (local $j i32) (local $x f64) (local $xv v128)
    (local $acc i32) (local $wrow i32) (local $rowBytes i32) (local $pairBytes i32) (local $src i32)
    (local.set $rowBytes (i32.shl (local.get $fanOut) (i32.const 3)))
    ;; Bytes of the columns taken two at a time.
    (local.set $pairBytes (i32.shl (i32.and (local.get $fanOut) (i32.const -2)) (i32.const 3)))
    (local.set $src (local.get $in))
    (local.set $r (i32.const 0))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
      (memory.fill (local.get $acc) (i32.const 0) (local.get $rowBytes))
      (local.set $wrow (local.get $w))
      (local.set $k (i32.const 0))
      (block $kDone (loop $kLoop
        (br_if $kDone (i32.ge_u (local.get $k) (local.get $fanIn)))
        (local.set $x (f64.load (local.get $src)))
        (if (f64.ne (local.get $x) (f64.const 0)) (then
          (local.set $xv (f64x2.splat (local.get $x)))
          (local.set $j (i32.const 0))
          (block $pairsDone (loop $pairs
            (br_if $pairsDone (i32.ge_u (local.get $j) (local.get $pairBytes)))
            (v128.store (i32.add (local.get $acc) (local.get $j))
              (f64x2.add
                (v128.load (i32.add (local.get $acc) (local.get $j)))
                (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $wrow) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $pairs)))
          (if (i32.lt_u (local.get $j) (local.get $rowBytes)) (then
            (f64.store (i32.add (local.get $acc) (local.get $j))
              (f64.add
                (f64.load (i32.add (local.get $acc) (local.get $j)))
                (f64.mul (local.get $x) (f64.load (i32.add (local.get $wrow) (local.get $j))))))))))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $wrow (i32.add (local.get $wrow) (local.get $rowBytes)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kLoop)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
  )
)
