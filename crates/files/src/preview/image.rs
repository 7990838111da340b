//! Picture previews: size and thumbnails. Pictures are decoded under allocation and size
//! limits (a "decompression bomb" fails instead of taking the machine's memory), turned by
//! their EXIF orientation, and re-encoded — what the browser gets is pixels we wrote, never
//! the uploaded bytes, so a file that is both a picture and a page can never run as one.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tandem_dto::{PreviewKind, PreviewUnavailable};

use super::Rendered;

/// The thumbnail sizes offered (longest side, pixels).
pub const SIZES: [u32; 2] = [256, 1024];
const MAX_SIDE: u32 = 20_000;
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// A decoded picture, upright.
fn decode(bytes: &[u8]) -> Result<DynamicImage, PreviewUnavailable> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PreviewUnavailable::Unreadable)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img)
}

fn classify(e: image::ImageError) -> PreviewUnavailable {
    match e {
        image::ImageError::Limits(_) => PreviewUnavailable::TooComplex,
        _ => PreviewUnavailable::Unreadable,
    }
}

/// The picture's upright size, or why it cannot be shown.
pub fn info(bytes: &[u8]) -> Rendered {
    match decode(bytes) {
        Ok(img) => Rendered {
            kind: Some(PreviewKind::Image),
            width: Some(img.width()),
            height: Some(img.height()),
            ..Rendered::default()
        },
        Err(why) => Rendered::unavailable(why),
    }
}

/// A thumbnail at most `side` pixels on its longest side (never enlarged): PNG when the
/// picture has transparency, JPEG otherwise. Returns the bytes and their content type.
pub fn thumbnail(bytes: &[u8], side: u32) -> Result<(Vec<u8>, &'static str), PreviewUnavailable> {
    let img = decode(bytes)?;
    let small = if img.width() > side || img.height() > side {
        img.thumbnail(side, side)
    } else {
        img
    };
    let mut out = Cursor::new(Vec::new());
    let kind = if small.color().has_alpha() {
        small
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|_| PreviewUnavailable::Unreadable)?;
        "image/png"
    } else {
        DynamicImage::ImageRgb8(small.to_rgb8())
            .write_to(&mut out, ImageFormat::Jpeg)
            .map_err(|_| PreviewUnavailable::Unreadable)?;
        "image/jpeg"
    };
    Ok((out.into_inner(), kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img =
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([200, 10, 10])));
        let mut out = Cursor::new(Vec::new());
        let _ = img.write_to(&mut out, ImageFormat::Png);
        out.into_inner()
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_thumbnail_keeps_the_aspect_and_is_a_fresh_jpeg() {
        let (bytes, ct) = thumbnail(&png(2000, 1000), 256).unwrap_or_default();
        assert_eq!(ct, "image/jpeg");
        let t = image::load_from_memory(&bytes).map(|i| (i.width(), i.height()));
        assert_eq!(t.ok(), Some((256, 128)));
    }

    #[test]
    fn small_pictures_are_not_enlarged() {
        let r = info(&png(40, 30));
        assert_eq!((r.width, r.height), (Some(40), Some(30)));
        let (bytes, _) = thumbnail(&png(40, 30), 1024).unwrap_or_default();
        let t = image::load_from_memory(&bytes).map(|i| i.width());
        assert_eq!(t.ok(), Some(40));
    }

    #[test]
    fn exif_orientation_turns_the_picture_upright() {
        // A 40×20 JPEG whose EXIF says "rotate 90° clockwise" (orientation 6).
        let img =
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(40, 20, image::Rgb([9, 9, 9])));
        let mut out = Cursor::new(Vec::new());
        let _ = img.write_to(&mut out, ImageFormat::Jpeg);
        let jpeg = out.into_inner();
        let tiff: [u8; 26] = [
            b'I', b'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0,
            0, 0,
        ];
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let len = (app1.len() + 2) as u16;
        let mut tagged = jpeg[..2].to_vec();
        tagged.extend_from_slice(&[0xFF, 0xE1]);
        tagged.extend_from_slice(&len.to_be_bytes());
        tagged.extend_from_slice(&app1);
        tagged.extend_from_slice(&jpeg[2..]);
        let r = info(&tagged);
        assert_eq!((r.width, r.height), (Some(20), Some(40)));
    }

    #[test]
    fn a_picture_claiming_huge_dimensions_is_refused_not_decoded() {
        // A PNG header announcing 100000×100000 pixels, and nothing behind it.
        let mut chunk = b"IHDR".to_vec();
        chunk.extend_from_slice(&100_000u32.to_be_bytes());
        chunk.extend_from_slice(&100_000u32.to_be_bytes());
        chunk.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\r".to_vec();
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        assert_eq!(info(&png).unavailable, Some(PreviewUnavailable::TooComplex));
    }

    #[test]
    fn garbage_is_unreadable() {
        assert_eq!(
            info(b"\x89PNG\r\n\x1a\n broken").unavailable,
            Some(PreviewUnavailable::Unreadable)
        );
    }
}
