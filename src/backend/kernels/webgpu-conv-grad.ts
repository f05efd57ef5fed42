import { tf } from '../tf.js';
import { callStock } from './swap.js';
import { ElementwiseProgram, i32, type WebGpuBackendLike, type WebGpuKernelArgs, type WebGpuProgram } from './webgpu-elementwise.js';

/*
 * Conv2DBackpropFilter on the WebGPU backend as an implicit GEMM with split-K.
 *
 * tfjs-backend-webgpu 4.22 computes dW with one thread per filter weight, each looping over every (image, output
 * row, output column): a ResNet-18 3x3x64x64 filter is 36,864 threads of 131,072 dependent steps, which is why
 * Conv2DBackpropFilter takes 341 of 408 ms of a ResNet-18 training step on an H200 (../shared/docs/environment.md).
 * Read as a matrix product it is a GEMM with a short output and a very long reduction:
 *
 *   dW[k, co] = sum_m A[m, k] dy[m, co],  k = (kh, kw, ci) (the filter's own layout), m = (n, i, j) over dy,
 *   A[m, k] = x[n, i*sh - padTop + kh, j*sw - padLeft + kw, ci] (0 outside x): im2col, never materialised.
 *
 * Pass 1 tiles the (k, co) output into 64 x TC blocks and splits the m axis into S slices, one workgroup per
 * (block, slice): each workgroup stages 16-row slices of A and dy in workgroup memory and accumulates a 4 x 4
 * register tile per thread, writing its partial sums to [S, K, CO]. Pass 2 adds the S partials. S is chosen so that
 * there are enough workgroups to fill a large GPU even when the filter is small. Two launches replace one, and the
 * work per launch is a dense, coalesced GEMM instead of a strided loop.
 */

const TK = 64; // rows (k) per workgroup tile
const TM = 16; // m rows staged per step
/** Workgroups pass 1 aims for (a few per SM of a large GPU); more slices only add partial sums to reduce. */
const TARGET_WORKGROUPS = 1024;
/** Fewest m rows a slice gets, so a slice is never mostly overhead. */
const MIN_SLICE = 256;

/** Pass 1: partial dW sums of one m slice per workgroup z, [S, K, CO]. */
class FilterGradPartialProgram implements WebGpuProgram {
  variableNames = ['x', 'dy'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'pads : vec2<i32>, strides : vec2<i32>, filterHW : vec2<i32>, slice : i32, stepsPerSlice : i32, kDim : i32, mDim : i32,';
  private readonly tc: number;

  constructor(splits: number, kDim: number, co: number, tc: number) {
    this.tc = tc;
    this.outputShape = [splits, kDim, co];
    this.workgroupSize = [tc / 4, TK / 4, 1];
    this.dispatch = [Math.ceil(co / tc), Math.ceil(kDim / TK), splits];
    this.shaderKey = `gbmConv2DDerFilterPartial_${tc}`;
  }

  getUserCode(): string {
    const tc = this.tc;
    const threads = (tc / 4) * (TK / 4);
    return `
      var<workgroup> tileA : array<array<f32, ${TK}>, ${TM}>;
      var<workgroup> tileB : array<array<f32, ${tc}>, ${TM}>;
      // Per staged m row: image offset n*H, top-left input row and column of its window, or n = -1 past the slice.
      var<workgroup> rowN : array<i32, ${TM}>;
      var<workgroup> rowR : array<i32, ${TM}>;
      var<workgroup> rowC : array<i32, ${TM}>;

      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let tid = ty * ${tc / 4} + tx;
        let col0 = i32(workgroupId.x) * ${tc};
        let row0 = i32(workgroupId.y) * ${TK};
        let split = i32(workgroupId.z);
        let H = uniforms.xShape[1];
        let W = uniforms.xShape[2];
        let CI = uniforms.xShape[3];
        let OH = uniforms.dyShape[1];
        let OW = uniforms.dyShape[2];
        let CO = uniforms.dyShape[3];
        let K = uniforms.kDim;
        let mStart = split * uniforms.slice;
        let mEnd = min(mStart + uniforms.slice, uniforms.mDim);

        // ${threads} threads, a multiple of ${TK}: each stages one fixed column k of A (and one column of dy), so the
        // filter coordinates of that column are decoded once, not per element.
        let kk = tid % ${TK};
        let k = row0 + kk;
        let ci = k % CI;
        let kw = (k / CI) % uniforms.filterHW[1];
        let kh = (k / CI) / uniforms.filterHW[1];
        let kValid = k < K;
        let cc = tid % ${tc};
        let c = col0 + cc;
        let cValid = c < CO;

        var acc : array<array<f32, 4>, 4>;
        for (var r = 0; r < 4; r++) {
          for (var q = 0; q < 4; q++) { acc[r][q] = 0.0; }
        }

        // The step count is a uniform, so every barrier is reached by the whole workgroup.
        for (var step = 0; step < uniforms.stepsPerSlice; step++) {
          let m0 = mStart + step * ${TM};
          if (tid < ${TM}) {
            let m = m0 + tid;
            let j = m % OW;
            let t = m / OW;
            rowN[tid] = select(-1, (t / OH) * H, m < mEnd);
            rowR[tid] = (t % OH) * uniforms.strides[0] - uniforms.pads[0];
            rowC[tid] = j * uniforms.strides[1] - uniforms.pads[1];
          }
          workgroupBarrier();
          for (var mm = tid / ${TK}; mm < ${TM}; mm += ${threads / TK}) {
            let xr = rowR[mm] + kh;
            let xc = rowC[mm] + kw;
            var v = 0.0;
            if (kValid && rowN[mm] >= 0 && xr >= 0 && xr < H && xc >= 0 && xc < W) {
              v = x[((rowN[mm] + xr) * W + xc) * CI + ci];
            }
            tileA[mm][kk] = v;
          }
          for (var mm = tid / ${tc}; mm < ${TM}; mm += 4) {
            var v = 0.0;
            if (cValid && rowN[mm] >= 0) {
              v = dy[(m0 + mm) * CO + c];
            }
            tileB[mm][cc] = v;
          }
          workgroupBarrier();
          for (var mm = 0; mm < ${TM}; mm++) {
            let a = vec4<f32>(tileA[mm][ty * 4], tileA[mm][ty * 4 + 1], tileA[mm][ty * 4 + 2], tileA[mm][ty * 4 + 3]);
            let b = vec4<f32>(tileB[mm][tx * 4], tileB[mm][tx * 4 + 1], tileB[mm][tx * 4 + 2], tileB[mm][tx * 4 + 3]);
            for (var r = 0; r < 4; r++) {
              acc[r][0] = fma(a[r], b[0], acc[r][0]);
              acc[r][1] = fma(a[r], b[1], acc[r][1]);
              acc[r][2] = fma(a[r], b[2], acc[r][2]);
              acc[r][3] = fma(a[r], b[3], acc[r][3]);
            }
          }
          workgroupBarrier();
        }

        for (var r = 0; r < 4; r++) {
          let kr = row0 + ty * 4 + r;
          if (kr < K) {
            for (var q = 0; q < 4; q++) {
              let co = col0 + tx * 4 + q;
              if (co < CO) {
                result[(split * K + kr) * CO + co] = acc[r][q];
              }
            }
          }
        }
      }
    `;
  }
}

/** Pass 2: dW = the sum of the S partials ([S, K x CO] read as S rows of the filter's size), in the filter's shape. */
function sumSplits(backend: WebGpuBackendLike, partial: tf.TensorInfo, filterShape: number[], splits: number): tf.TensorInfo {
  const program = new ElementwiseProgram(
    ['partial'],
    'splits : i32,',
    'gbmSumSplits',
    filterShape,
    's',
    `var s = 0.0;
          for (var k = 0; k < uniforms.splits; k++) {
            s = s + partial[k * uniforms.size + index];
          }`,
  );
  return backend.runWebGPUProgram(program, [partial], 'float32', [i32(splits)]);
}

/** How the m axis is cut: S slices of `slice` rows (a multiple of 16), enough workgroups in all to fill the GPU. */
export function planSplits(m: number, kDim: number, co: number): { splits: number; slice: number; tc: number } {
  const tc = co <= 16 ? 16 : co <= 32 ? 32 : 64;
  const tiles = Math.ceil(kDim / TK) * Math.ceil(co / tc);
  const maxSplits = Math.max(1, Math.floor(m / MIN_SLICE));
  const want = Math.min(maxSplits, Math.max(1, Math.ceil(TARGET_WORKGROUPS / tiles)));
  const slice = Math.ceil(Math.ceil(m / want) / TM) * TM;
  return { splits: Math.ceil(m / slice), slice, tc };
}

/** dW of a 2-D convolution (NHWC, no dilation) on WebGPU: the split-K implicit GEMM above. */
function filterGradWebGpu(args: WebGpuKernelArgs): tf.TensorInfo {
  const {
    inputs: { x, dy },
    backend,
    attrs,
  } = args;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as {
    strides: [number, number] | number;
    pad: 'same';
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (dataFormat === 'NCHW' || x.dtype !== 'float32' || dy.dtype !== 'float32') return callStock('Conv2DBackpropFilter', 'webgpu', args) as tf.TensorInfo;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const kDim = info.filterHeight * info.filterWidth * info.inChannels;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const co = info.outChannels;
  const plan = planSplits(m, kDim, co);
  const uniforms = [
    i32(info.padInfo.top, info.padInfo.left),
    i32(info.strideHeight, info.strideWidth),
    i32(info.filterHeight, info.filterWidth),
    i32(plan.slice),
    i32(plan.slice / TM),
    i32(kDim),
    i32(m),
  ];
  const partial = backend.runWebGPUProgram(new FilterGradPartialProgram(plan.splits, kDim, co, plan.tc), [x, dy], 'float32', uniforms);
  const out = sumSplits(backend, partial, filterShape, plan.splits);
  backend.disposeData(partial.dataId);
  return out;
}

/** The split-K dW for webgpu, in place of tfjs-backend-webgpu's (which it hands NCHW and non-float32 inputs). */
export const webgpuConvGradConfigs: tf.KernelConfig[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'webgpu',
    kernelFunc: ((args: WebGpuKernelArgs) => filterGradWebGpu(args)) as unknown as tf.KernelFunc,
  },
];
