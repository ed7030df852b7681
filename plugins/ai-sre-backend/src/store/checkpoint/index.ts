export {
  KnexCheckpointSaver,
  CHECKPOINTS_TABLE,
  CHECKPOINT_BLOBS_TABLE,
  CHECKPOINT_WRITES_TABLE,
} from './KnexCheckpointSaver';
