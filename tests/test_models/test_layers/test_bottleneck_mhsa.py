import pytest
import torch

from cmkd_mm.models.layers import (AbsolutePositionEmbedding2d, BoTBlock, MultiHeadSelfAttention2d,
                                   make_bot_stack)

pytestmark = pytest.mark.usefixtures('single_thread')


def reference_mhsa(x, w_qkv, height, width, heads, d):
    """Loop over images, heads and pixels: softmax((q.k + q.r) / sqrt(d)) v."""
    n, _, h, w = x.shape
    out = torch.zeros(n, heads * d, h, w, dtype=torch.float64)
    qkv = torch.einsum('oc,nchw->nohw', w_qkv, x)
    for b in range(n):
        for head in range(heads):
            q = qkv[b, head * d:(head + 1) * d].reshape(d, -1)
            k = qkv[b, heads * d + head * d:heads * d + (head + 1) * d].reshape(d, -1)
            v = qkv[b, 2 * heads * d + head * d:2 * heads * d + (head + 1) * d].reshape(d, -1)
            for i in range(h * w):
                logits = torch.stack([
                    (q[:, i] @ k[:, j] + q[:, i] @ (height[j // w] + width[j % w])) / d**0.5
                    for j in range(h * w)
                ])
                out[b, head * d:(head + 1) * d].view(d, -1)[:, i] = v @ logits.softmax(0)
    return out


def test_mhsa_matches_loop_reference():
    torch.manual_seed(0)
    attn = MultiHeadSelfAttention2d(6, (3, 4), heads=2, dim_head=5).double()
    x = torch.randn(2, 6, 3, 4, dtype=torch.float64)
    expected = reference_mhsa(x, attn.qkv.weight[:, :, 0, 0], attn.pos_emb.height,
                              attn.pos_emb.width, 2, 5)
    torch.testing.assert_close(attn(x), expected)


def test_position_embedding_resizes_only_off_size():
    emb = AbsolutePositionEmbedding2d((3, 4), 8)
    at_size = emb((3, 4))
    assert at_size.shape == (12, 8)
    torch.testing.assert_close(at_size[1 * 4 + 2], emb.height[1] + emb.width[2])
    assert emb((5, 7)).shape == (35, 8)
    # a constant table stays constant after resizing
    with torch.no_grad():
        emb.height.fill_(1.0)
        emb.width.fill_(2.0)
    assert torch.allclose(emb((6, 9)), torch.full((54, 8), 3.0))


@pytest.mark.parametrize('size', [(8, 10), (7, 9)])
def test_bot_block_downsamples_like_its_shortcut(size):
    block = BoTBlock(16, 32, size, heads=2, dim_head=16, downsample=True)
    out = block(torch.randn(2, 16, *size))
    assert out.shape == (2, 32, -(-size[0] // 2), -(-size[1] // 2))


def test_new_block_starts_as_its_shortcut():
    """The last BN weight is zero, so the block is ReLU(shortcut(x)) (+ the BN bias, 0)."""
    block = BoTBlock(8, 8, (4, 4), heads=2, dim_head=4).eval()
    x = torch.randn(1, 8, 4, 4)
    torch.testing.assert_close(block(x), torch.relu(x))


def test_bot_stack_cekd_layout():
    """CEKD: 1024 -> 2048, 3 blocks, 4 heads of 512, tables 30x40 then 15x20."""
    stack = make_bot_stack(1024, 2048, (30, 40))
    assert len(stack) == 3
    attn = [b.body[3] for b in stack]
    assert [a.heads for a in attn] == [4] * 3 and [a.dim_head for a in attn] == [512] * 3
    assert [tuple(a.pos_emb.height.shape) for a in attn] == [(30, 512), (15, 512), (15, 512)]
    assert [tuple(a.pos_emb.width.shape) for a in attn] == [(40, 512), (20, 512), (20, 512)]
    assert stack[0].body[0].out_channels == 512  # 2048 / proj_factor 4
