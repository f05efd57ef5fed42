import { LinearReplayMethod } from './linear-method.js';
import type { MethodSpec } from '../cil/method.js';

/** Fine-tuning: G trained on the new classes only, nothing kept (the lower bound every CIL method must beat). */
export const FINETUNE_METHOD: MethodSpec = {
  name: 'finetune',
  description: 'fine-tune G on the new classes only, no memory (lower bound)',
  reference: 'The standard lower bound of class-incremental learning (e.g. PyCIL "Finetune"; Masana et al., TPAMI 2022). Same codes and classifier as GBM.',
  input: 'codes',
  usesClassifier: true,
  usesBmm: false,
  options: {},
  online: true,
  create: (ctx) => new LinearReplayMethod(ctx, null),
};
