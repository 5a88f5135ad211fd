#pragma once
// File ▸ Open Data…: a data spec built from a file or folder the user picks, its format
// detected, checked by parsing before the dialog closes.

#include "data.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;

namespace qs {

struct PreviewData;

class DataDialog : public QDialog
{
    Q_OBJECT
public:
    /// `recent`: data specs used before with the open model, newest first.
    explicit DataDialog(const DataSpec& current, const QStringList& recent = {}, QWidget* parent = nullptr);
    DataSpec spec() const { return m_spec; }
    /// The format a path suggests: folder for a directory, npy, tensors (.pt, .pth), else idx.
    static QString detectFormat(const QString& path);
    /// The spec the fields describe; throws EngineError(BadInput) as DataSpec::parse does.
    DataSpec specFromFields() const;

    QComboBox* formatBox() const { return m_format; }
    QLineEdit* inputsEdit() const { return m_inputs; }
    QLineEdit* labelsEdit() const { return m_labels; }
    QLineEdit* optionsEdit() const { return m_options; }
    QLineEdit* calibrationEdit() const { return m_calibration; }
    /// Loads the data the fields describe off the GUI thread and shows its first samples with
    /// their labels (or the error); previewReady() follows.
    void preview();
    int previewCount() const;
    /// The data the last preview loaded, when it is the accepted spec's (the window opens the
    /// model on it instead of loading it again); null otherwise.
    std::shared_ptr<Dataset> loadedData() const;

Q_SIGNALS:
    void previewReady();

private:
    void updatePreview();
    void showPreview(const PreviewData& preview);
    void setFields(const DataSpec& spec);
    QComboBox* m_format;
    QLineEdit* m_inputs;
    QLineEdit* m_labels;
    QLineEdit* m_options;
    QLineEdit* m_calibration;
    QLabel* m_preview;
    QWidget* m_grid;
    QLabel* m_gridStatus;
    DataSpec m_spec;
    class JobTracker* m_jobs;
    std::shared_ptr<Dataset> m_loaded;
};

} // namespace qs
