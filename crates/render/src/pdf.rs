//! Writes laid-out pages to a PDF with krilla: the layout code produces plain drawing operations,
//! this module is the only one that talks to the PDF writer.

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::TextDirection;

use crate::RenderError;
use crate::brand::{Logo, Rgb};
use crate::fonts::Face;

/// One drawing operation, in points from the page's top-left corner.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A filled rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// A line of text whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        text: String,
        face: Face,
        size: f32,
        color: Rgb,
    },
    /// The logo scaled into the box (aspect kept, top-left aligned).
    Logo {
        x: f32,
        y: f32,
        max_w: f32,
        max_h: f32,
    },
}

/// The operations of one page.
pub(crate) type PageOps = Vec<Op>;

/// Writes `pages` of `width`×`height` points with `title` in the metadata.
pub(crate) fn write(
    pages: &[PageOps],
    width: f32,
    height: f32,
    title: &str,
    logo: Option<&Logo>,
) -> Result<Vec<u8>, RenderError> {
    let fonts = [
        Face::Regular.krilla(),
        Face::Bold.krilla(),
        Face::Italic.krilla(),
    ];
    let logo = logo.and_then(|logo| match logo {
        Logo::Png(bytes) => Image::from_png(bytes.clone().into(), true).ok(),
        Logo::Jpeg(bytes) => Image::from_jpeg(bytes.clone().into(), true).ok(),
    });
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title.to_owned()));
    let settings = PageSettings::from_wh(width, height)
        .ok_or_else(|| RenderError::Pdf("empty page size".into()))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Rect { x, y, w, h, color } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    let Some(path) = path.finish() else { continue };
                    surface.set_fill(Some(fill(*color)));
                    surface.draw_path(&path);
                }
                Op::Text {
                    x,
                    y,
                    text,
                    face,
                    size,
                    color,
                } => {
                    surface.set_fill(Some(fill(*color)));
                    let font = fonts[*face as usize].clone();
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Logo { x, y, max_w, max_h } => {
                    let Some(image) = logo.clone() else { continue };
                    let (w, h) = image.size();
                    if w == 0 || h == 0 {
                        continue;
                    }
                    let scale = (max_w / w as f32).min(max_h / h as f32);
                    let Some(size) = Size::from_wh(w as f32 * scale, h as f32 * scale) else {
                        continue;
                    };
                    surface.push_transform(&Transform::from_translate(*x, *y));
                    surface.draw_image(image, size);
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| RenderError::Pdf(format!("{error:?}")))
}

fn fill(color: Rgb) -> Fill {
    Fill {
        paint: color.krilla().into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}
