"""Counts the SSM state only, forgetting the convolution's inputs."""
# fails: test-state-bytes

# %% state-bytes
def state_bytes(block, batch, bytes_per_element):
    """Bytes of a Mamba block's recurrent state (convolution inputs and SSM state) for a batch."""
    return batch * block.d_inner * block.d_state * bytes_per_element
