/**
 * ImageNet-scale CNN benchmarks (docs/reference.md §5), built layer by layer from their published
 * definitions at the usual input sizes. Only convolutions and fully connected layers are matrix
 * products; pooling, residual adds and activations go to the tile's digital units.
 */
import { NetBuilder, image, type Tensor, type Workload } from './builder.ts';

/**
 * AlexNet as published (Krizhevsky et al. 2012): 227 × 227 input, conv2/4/5 split into 2 groups
 * (the two-GPU layout), 0.72 G MACs. (Without groups it would be 1.14 G MACs.)
 */
export function alexnet(): Workload {
  const b = new NetBuilder();
  let x = image(227);
  x = b.conv(x, 'conv1', { out: 96, k: 11, stride: 4 });
  x = b.maxPool(x, { k: 3, stride: 2 });
  x = b.conv(x, 'conv2', { out: 256, k: 5, pad: 2, groups: 2 });
  x = b.maxPool(x, { k: 3, stride: 2 });
  x = b.conv(x, 'conv3', { out: 384, k: 3, pad: 1 });
  x = b.conv(x, 'conv4', { out: 384, k: 3, pad: 1, groups: 2 });
  x = b.conv(x, 'conv5', { out: 256, k: 3, pad: 1, groups: 2 });
  x = b.maxPool(x, { k: 3, stride: 2 });
  x = b.fc(x, 'fc6', 4096);
  x = b.fc(x, 'fc7', 4096);
  b.fc(x, 'fc8', 1000);
  return b.build('alexnet', 'AlexNet', '227×227, grouped conv2/conv4/conv5 as published (Krizhevsky et al. 2012)');
}

function vgg(name: string, title: string, stages: number[]): Workload {
  const b = new NetBuilder();
  let x = image(224);
  const widths = [64, 128, 256, 512, 512];
  stages.forEach((n, s) => {
    for (let i = 1; i <= n; i++) x = b.conv(x, `conv${s + 1}_${i}`, { out: widths[s], k: 3, pad: 1 });
    x = b.maxPool(x, { k: 2, stride: 2 });
  });
  x = b.fc(x, 'fc6', 4096);
  x = b.fc(x, 'fc7', 4096);
  b.fc(x, 'fc8', 1000);
  return b.build(name, title, `224×224, configuration ${stages.join('-')} (Simonyan & Zisserman 2015)`);
}

/** VGG-16 (configuration D). */
export function vgg16(): Workload {
  return vgg('vgg16', 'VGG-16', [2, 2, 3, 3, 3]);
}

/** VGG-19 (configuration E). */
export function vgg19(): Workload {
  return vgg('vgg19', 'VGG-19', [2, 2, 4, 4, 4]);
}

/**
 * ResNet with bottleneck blocks, torchvision's definition ("v1.5": the stride of a down-sampling
 * block sits on its 3×3 convolution; projection shortcuts where the shape changes).
 */
function resnet(name: string, title: string, blocks: number[]): Workload {
  const b = new NetBuilder();
  let x = image(224);
  x = b.conv(x, 'conv1', { out: 64, k: 7, stride: 2, pad: 3 });
  x = b.maxPool(x, { k: 3, stride: 2, pad: 1 });
  const widths = [64, 128, 256, 512];
  blocks.forEach((n, s) => {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && s > 0 ? 2 : 1;
      const width = widths[s];
      const p = `layer${s + 1}.${i}`;
      let y = b.conv(x, `${p}.conv1`, { out: width, k: 1 });
      y = b.conv(y, `${p}.conv2`, { out: width, k: 3, stride, pad: 1 });
      y = b.conv(y, `${p}.conv3`, { out: 4 * width, k: 1 });
      const shortcut = i === 0 ? b.conv(x, `${p}.downsample`, { out: 4 * width, k: 1, stride }) : x;
      x = b.residual(y, shortcut);
    }
  });
  x = b.globalAvgPool(x);
  b.fc(x, 'fc', 1000);
  return b.build(name, title, `224×224, bottleneck blocks ${blocks.join('-')}, torchvision definition (stride on the 3×3)`);
}

/** ResNet-50. */
export function resnet50(): Workload {
  return resnet('resnet50', 'ResNet-50', [3, 4, 6, 3]);
}

/** ResNet-101. */
export function resnet101(): Workload {
  return resnet('resnet101', 'ResNet-101', [3, 4, 23, 3]);
}

/**
 * GoogLeNet as published (Szegedy et al. 2015, Table 1): 224 × 224, 5 × 5 convolutions in the
 * inception modules, Caffe's ceil-mode pooling, no auxiliary classifiers (inference).
 */
export function googlenet(): Workload {
  const b = new NetBuilder();
  const inception = (x: Tensor, name: string, c1: number, r3: number, c3: number, r5: number, c5: number, pp: number): Tensor => {
    const b1 = b.conv(x, `${name}.1x1`, { out: c1, k: 1 });
    const b2 = b.conv(b.conv(x, `${name}.3x3_reduce`, { out: r3, k: 1 }), `${name}.3x3`, { out: c3, k: 3, pad: 1 });
    const b3 = b.conv(b.conv(x, `${name}.5x5_reduce`, { out: r5, k: 1 }), `${name}.5x5`, { out: c5, k: 5, pad: 2 });
    const b4 = b.conv(b.maxPool(x, { k: 3, stride: 1, pad: 1 }), `${name}.pool_proj`, { out: pp, k: 1 });
    return b.concat(b1, b2, b3, b4);
  };
  let x = image(224);
  x = b.conv(x, 'conv1', { out: 64, k: 7, stride: 2, pad: 3 });
  x = b.maxPool(x, { k: 3, stride: 2, ceil: true });
  x = b.conv(x, 'conv2_reduce', { out: 64, k: 1 });
  x = b.conv(x, 'conv2', { out: 192, k: 3, pad: 1 });
  x = b.maxPool(x, { k: 3, stride: 2, ceil: true });
  x = inception(x, '3a', 64, 96, 128, 16, 32, 32);
  x = inception(x, '3b', 128, 128, 192, 32, 96, 64);
  x = b.maxPool(x, { k: 3, stride: 2, ceil: true });
  x = inception(x, '4a', 192, 96, 208, 16, 48, 64);
  x = inception(x, '4b', 160, 112, 224, 24, 64, 64);
  x = inception(x, '4c', 128, 128, 256, 24, 64, 64);
  x = inception(x, '4d', 112, 144, 288, 32, 64, 64);
  x = inception(x, '4e', 256, 160, 320, 32, 128, 128);
  x = b.maxPool(x, { k: 3, stride: 2, ceil: true });
  x = inception(x, '5a', 256, 160, 320, 32, 128, 128);
  x = inception(x, '5b', 384, 192, 384, 48, 128, 128);
  x = b.globalAvgPool(x);
  b.fc(x, 'fc', 1000);
  return b.build('googlenet', 'GoogLeNet', '224×224, Szegedy et al. 2015 Table 1 (5×5 branches, no auxiliary classifiers)');
}

/**
 * Inception-v2 = BN-Inception (Ioffe & Szegedy 2015), as defined in TF-slim's `inception_v2`:
 * 224 × 224, 'SAME' padding, double 3 × 3 branches, a depthwise-separable 7 × 7 stem (depth
 * multiplier 8; a plain 7 × 7 stem would add 84 M MACs), 1000-way classifier.
 */
export function inceptionV2(): Workload {
  const b = new NetBuilder();
  /** A module; `c1` = 0 drops the 1×1 branch; `pool` = 'max-pass' is the stride-2 pass-through. */
  const mixed = (
    x: Tensor,
    name: string,
    o: { c1: number; r3: number; c3: number; rd: number; cd: number; pool: 'avg' | 'max' | 'max-pass'; pp: number; stride?: number },
  ): Tensor => {
    const s = o.stride ?? 1;
    const out: Tensor[] = [];
    if (o.c1 > 0) out.push(b.conv(x, `${name}.1x1`, { out: o.c1, k: 1, pad: 'same' }));
    out.push(
      b.conv(b.conv(x, `${name}.3x3_reduce`, { out: o.r3, k: 1, pad: 'same' }), `${name}.3x3`, { out: o.c3, k: 3, stride: s, pad: 'same' }),
    );
    const d = b.conv(b.conv(x, `${name}.double_3x3_reduce`, { out: o.rd, k: 1, pad: 'same' }), `${name}.double_3x3a`, {
      out: o.cd,
      k: 3,
      pad: 'same',
    });
    out.push(b.conv(d, `${name}.double_3x3b`, { out: o.cd, k: 3, stride: s, pad: 'same' }));
    const pooled = o.pool === 'avg' ? b.avgPool(x, { k: 3, stride: s, pad: 'same' }) : b.maxPool(x, { k: 3, stride: s, pad: 'same' });
    out.push(o.pool === 'max-pass' ? pooled : b.conv(pooled, `${name}.pool_proj`, { out: o.pp, k: 1, pad: 'same' }));
    return b.concat(...out);
  };
  let x = image(224);
  // Separable stem: depthwise 7×7 (×8 per input channel), then pointwise to 64.
  x = b.conv(x, 'conv1_depthwise', { out: 24, k: 7, stride: 2, pad: 'same', groups: 3 });
  x = b.conv(x, 'conv1_pointwise', { out: 64, k: 1, pad: 'same' });
  x = b.maxPool(x, { k: 3, stride: 2, pad: 'same' });
  x = b.conv(x, 'conv2_reduce', { out: 64, k: 1, pad: 'same' });
  x = b.conv(x, 'conv2', { out: 192, k: 3, pad: 'same' });
  x = b.maxPool(x, { k: 3, stride: 2, pad: 'same' });
  x = mixed(x, '3a', { c1: 64, r3: 64, c3: 64, rd: 64, cd: 96, pool: 'avg', pp: 32 });
  x = mixed(x, '3b', { c1: 64, r3: 64, c3: 96, rd: 64, cd: 96, pool: 'avg', pp: 64 });
  x = mixed(x, '3c', { c1: 0, r3: 128, c3: 160, rd: 64, cd: 96, pool: 'max-pass', pp: 0, stride: 2 });
  x = mixed(x, '4a', { c1: 224, r3: 64, c3: 96, rd: 96, cd: 128, pool: 'avg', pp: 128 });
  x = mixed(x, '4b', { c1: 192, r3: 96, c3: 128, rd: 96, cd: 128, pool: 'avg', pp: 128 });
  x = mixed(x, '4c', { c1: 160, r3: 128, c3: 160, rd: 128, cd: 160, pool: 'avg', pp: 96 });
  x = mixed(x, '4d', { c1: 96, r3: 128, c3: 192, rd: 160, cd: 192, pool: 'avg', pp: 96 });
  x = mixed(x, '4e', { c1: 0, r3: 128, c3: 192, rd: 192, cd: 256, pool: 'max-pass', pp: 0, stride: 2 });
  x = mixed(x, '5a', { c1: 352, r3: 192, c3: 320, rd: 160, cd: 224, pool: 'avg', pp: 128 });
  x = mixed(x, '5b', { c1: 352, r3: 192, c3: 320, rd: 192, cd: 224, pool: 'max', pp: 128 });
  x = b.globalAvgPool(x);
  b.fc(x, 'fc', 1000);
  return b.build(
    'inception-v2',
    'Inception-v2',
    '224×224, BN-Inception (Ioffe & Szegedy 2015) as TF-slim inception_v2 (separable 7×7 stem)',
  );
}

/** MobileNet-V2, width 1.0 (Sandler et al. 2018, Table 2; torchvision definition). */
export function mobilenetV2(): Workload {
  const b = new NetBuilder();
  let x = image(224);
  x = b.conv(x, 'conv0', { out: 32, k: 3, stride: 2, pad: 1 });
  const settings: Array<[t: number, c: number, n: number, s: number]> = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  let block = 0;
  for (const [t, c, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = x.c * t;
      const p = `block${++block}`;
      let y = x;
      if (t !== 1) y = b.conv(y, `${p}.expand`, { out: hidden, k: 1 });
      y = b.conv(y, `${p}.depthwise`, { out: hidden, k: 3, stride, pad: 1, groups: hidden });
      y = b.conv(y, `${p}.project`, { out: c, k: 1 });
      x = stride === 1 && x.c === c ? b.residual(y, x) : y;
    }
  }
  x = b.conv(x, 'conv_last', { out: 1280, k: 1 });
  x = b.globalAvgPool(x);
  b.fc(x, 'fc', 1000);
  return b.build('mobilenet-v2', 'MobileNet-V2', '224×224, width 1.0, inverted residuals (Sandler et al. 2018)');
}
