#pragma once
// The "Graph" tab: the model's layers and the ops between them (Graphviz's layout), layers
// coloured by a per-layer figure of the shown trial, or by how it differs from another
// recorded trial; a click selects the layer everywhere; saves as SVG or PNG.

#include "plotdata.h"
#include "latency.h"
#include "profile.h"
#include "search.h"
#include "store.h"
#include "trial.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace qs {

class TrialChoice;

class GraphView;

class GraphTab : public QWidget
{
    Q_OBJECT
public:
    explicit GraphTab(QWidget* parent = nullptr);
    GraphView* view() const { return m_view; }
    void setProfile(const ProfileReport& report);
    /// The trial whose figures colour the layers (nullptr: none).
    void setTrial(const TrialResult* trial, qint64 id);
    /// The recorded trials one can compare against (this model's).
    void setHistory(const QVector<StoredTrial>& trials);
    /// The trial chosen to compare against, loaded; nullptr clears it.
    void setAgainst(const TrialResult* trial);
    void setColour(int index);
    /// The last sensitivity run's points lost per layer, and the last latency measurement's time
    /// per layer (the int8 model's when it was timed): colourings that are not a trial's.
    void setSensitivity(const SensitivityResult& result);
    void setLatency(const QVector<LatencyProfile>& profiles);
    void selectLayer(int row);

Q_SIGNALS:
    void layerClicked(int row);
    /// The user chose a recorded trial to compare against (0: none).
    void againstRequested(qint64 id);
    /// Save… wrote the graph (`message` says where), or could not.
    void saved(const QString& message);
    void saveFailed(const QString& title, const QString& message);

private:
    void draw();
    void saveWithDialog();
    GraphView* m_view;
    QComboBox* m_colour;
    TrialChoice* m_against;
    QPushButton* m_save;
    QPushButton* m_fit;
    QLabel* m_hint;
    ProfileReport m_report;
    TrialResult m_trial;
    bool m_hasTrial = false;
    qint64 m_trialId = 0;
    TrialResult m_other;
    bool m_hasOther = false;
    int m_row = -1;
    GraphExtras m_extras;
};

} // namespace qs
