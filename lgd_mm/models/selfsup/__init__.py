from .contrastive_clip import ContrastiveCLIP, clip_state_from_checkpoint

__all__ = ['ContrastiveCLIP', 'clip_state_from_checkpoint']
