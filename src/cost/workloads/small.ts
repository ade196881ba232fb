/**
 * The recurrent benchmark (NeuralTalk) and the project's MNIST models.
 */
import { NetBuilder, image, type Workload } from './builder.ts';

/** Caption length of the NeuralTalk workload, words (fixed-length greedy decoding). */
export const NEURALTALK_STEPS = 16;

/**
 * NeuralTalk image captioning (Karpathy & Fei-Fei 2015) with the dimensions of its benchmark in
 * EIE (Han et al. 2016): image embedding We 4096 → 600 (once per caption, from the CNN's 4096-d
 * feature), an LSTM of 600 units whose step input is the 600-d word embedding (matrix 1201 × 2400
 * = [word, h, bias] × 4 gates), and the word decoder Wd 600 → 8791 (vocabulary) every step; a
 * fixed caption of {@link NEURALTALK_STEPS} words. The embedding lookup is a memory read, not a
 * product.
 */
export function neuraltalk(steps = NEURALTALK_STEPS): Workload {
  const b = new NetBuilder();
  b.fc(image(1, 4096), 'We', 600);
  const h = b.lstm(image(1, 600), 'lstm', 600, steps);
  // Greedy decoding: each word is the next step's input, so the steps are sequential.
  b.fc(h, 'Wd', 8791, steps, true);
  return b.build(
    'neuraltalk',
    'NeuralTalk LSTM',
    `600-unit LSTM, 600-d word embedding, 8791-word vocabulary (EIE's NeuralTalk), ${steps} words`,
  );
}

/** The project's MNIST MLP: 784 → 256 → 10. */
export function mlp(): Workload {
  const b = new NetBuilder();
  const h = b.fc(image(28, 1), 'fc1', 256);
  b.fc(h, 'fc2', 10);
  return b.build('mlp', 'MLP 784-256-10', 'MNIST 28×28, fully connected 784-256-10');
}

/**
 * LeNet-5 on 28 × 28 MNIST: conv 5×5×6 with padding 2 (so the first map is 28 × 28, as LeNet's
 * 32 × 32 input gave) → 2×2 max pool → conv 5×5×16 unpadded → 2×2 max pool → fc 400-120-84-10.
 */
export function lenet5(): Workload {
  const b = new NetBuilder();
  let x = image(28, 1);
  x = b.conv(x, 'conv1', { out: 6, k: 5, pad: 2 });
  x = b.maxPool(x, { k: 2, stride: 2 });
  x = b.conv(x, 'conv2', { out: 16, k: 5 });
  x = b.maxPool(x, { k: 2, stride: 2 });
  x = b.fc(x, 'fc1', 120);
  x = b.fc(x, 'fc2', 84);
  b.fc(x, 'fc3', 10);
  return b.build('lenet5', 'LeNet-5', 'MNIST 28×28, conv1 padded by 2, conv2 unpadded, 2×2 max pools');
}
