//! Earshot's composition root (DESIGN.md §6): the crates below the window, under one name
//! for the window, the headless mode and the scenario tests. The media engine
//! (`earshot-media`), the phone core (`earshot-phone`) and the desk (`earshot-desk`) are
//! crates of their own so that a change to one rebuilds only what depends on it.

pub use earshot_chat as chat;
pub use earshot_desk as desk;
pub use earshot_directory as directory;
pub use earshot_mail as mail;
pub use earshot_media as media;
pub use earshot_phone as phone;
pub use earshot_store as store;
